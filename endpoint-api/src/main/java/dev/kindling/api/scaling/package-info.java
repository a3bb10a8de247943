/** The scaler's actuator: feeds router load into the scaler's windows, applies its decisions, and follows each scale-out. */
package dev.kindling.api.scaling;
