/** Per-component load windows fed one sample a second, read by the scaler as {@link dev.kindling.scaler.metrics.LoadReadings}. */
package dev.kindling.scaler.metrics;
