/**
 * The agent protocol: an agent registers, then heartbeats what its copies are doing; each heartbeat's answer is
 * the full set of copies the instance should run, so an agent converges even after missed messages.
 */
package dev.kindling.agent.protocol;
