/**
 * Placement of model copies on instances: capacity accounting that never over-commits an instance, warm instances
 * (those already holding a copy's image and model) first, and an explanation of every choice.
 */
package dev.kindling.cache.placement;
