/**
 * The embedded registry: an emulated ECR that serves the OCI Distribution read API under {@code /v2/} from
 * content-addressed files, and the {@code /v1/registry} API that fills it by importing or generating images.
 */
package dev.kindling.api.registry;
