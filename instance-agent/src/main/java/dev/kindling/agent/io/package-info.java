/** How an instance moves bytes: limits on its network bandwidth and disk write throughput, and progress reports. */
package dev.kindling.agent.io;
