/** Running model copies on an instance: fetch, start, health-check, stop. */
package dev.kindling.agent.runtime;
