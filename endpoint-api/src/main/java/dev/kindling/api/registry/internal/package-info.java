/** How the embedded registry reads and writes bytes: manifests, OCI layouts, generated layers, ranges, atomic files. */
package dev.kindling.api.registry.internal;
