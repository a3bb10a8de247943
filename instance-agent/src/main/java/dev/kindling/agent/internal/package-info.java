/** Plumbing of the agent: JSON over the JDK HTTP server and client. */
package dev.kindling.agent.internal;
