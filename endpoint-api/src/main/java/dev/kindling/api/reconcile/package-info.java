/**
 * Reconciliation: a pure planner turns a snapshot of desired and observed state into actions; the reconciler
 * applies them to the database and the fleet, once per tick and whenever something changes.
 */
package dev.kindling.api.reconcile;
