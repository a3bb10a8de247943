/** Managed instance scaling of one variant: how many instances to launch for unplaced copies and which idle ones to release. */
package dev.kindling.scaler.instances;
