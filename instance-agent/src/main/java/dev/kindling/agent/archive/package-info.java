/** Safe tar extraction shared by image layers and model archives: nothing is written outside the target directory. */
package dev.kindling.agent.archive;
