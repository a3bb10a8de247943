/**
 * How an instance moves bytes: limits on its network bandwidth and disk write throughput, progress reports, and the
 * file-tree chores (deleting, moving aside, atomic moves and writes) its stores share.
 */
package dev.kindling.agent.io;
