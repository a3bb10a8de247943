/** Benchmarks that measure Kindling against baselines taken in the same run, and print ratios. */
package dev.kindling.load;
