package dev.kindling.agent.registry;

import java.time.Duration;

/** What a fetch did: blobs already present, blobs fetched, bytes read from the network, chunks retried, time. */
public record FetchReport(int blobsPresent, int blobsFetched, long bytesFetched, long bytesResumed, int chunkRetries,
                          Duration elapsed) {}
