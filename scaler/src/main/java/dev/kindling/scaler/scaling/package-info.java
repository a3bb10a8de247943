/** The copy-count decision of one inference component: load readings, policies and bounds in, a desired count and why out. */
package dev.kindling.scaler.scaling;
