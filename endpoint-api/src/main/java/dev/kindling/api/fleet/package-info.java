/** Fleets that launch and terminate instances, and the catalog of instance types they offer. */
package dev.kindling.api.fleet;
