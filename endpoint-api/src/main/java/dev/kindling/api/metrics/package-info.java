/** Prometheus metrics of copy starts: phase durations, and bytes and hits per cache tier. */
package dev.kindling.api.metrics;
