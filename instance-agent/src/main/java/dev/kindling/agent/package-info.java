/** The instance agent: registers its instance, heartbeats, and runs the model copies the control plane assigns. */
package dev.kindling.agent;
