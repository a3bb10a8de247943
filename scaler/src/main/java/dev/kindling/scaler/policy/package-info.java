/** Scalable targets and scaling policies of inference components, as values, with their validation rules. */
package dev.kindling.scaler.policy;
