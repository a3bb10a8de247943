/** The REST API under /v1 and the agents' endpoints, with RFC 9457 problem details for every refusal. */
package dev.kindling.api.web;
