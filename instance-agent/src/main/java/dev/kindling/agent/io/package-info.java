/** Limits on how fast an instance moves bytes: its network bandwidth and its disk write throughput. */
package dev.kindling.agent.io;
