/** Placement of model copies on instances: capacity accounting that never over-commits an instance. */
package dev.kindling.cache.placement;
