/**
 * Which control-plane replica leads: one replica at a time, chosen by a PostgreSQL advisory lock, runs the
 * reconciler and the scaler; the others serve the API and route invocations.
 */
package dev.kindling.api.leader;
