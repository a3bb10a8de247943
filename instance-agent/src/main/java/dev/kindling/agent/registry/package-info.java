/**
 * An OCI Distribution client: image references, manifest negotiation (OCI and Docker, indexes resolved to
 * linux/amd64), registry auth, and a chunked, work-stealing, digest-verified blob fetch.
 */
package dev.kindling.agent.registry;
