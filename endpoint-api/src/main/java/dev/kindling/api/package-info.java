/** The Kindling control plane: REST API, reconcilers and fleet providers. */
package dev.kindling.api;
