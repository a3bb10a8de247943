/** Plumbing of the agent: JSON over the JDK HTTP server and client, and SHA-256 without checked exceptions. */
package dev.kindling.agent.internal;
