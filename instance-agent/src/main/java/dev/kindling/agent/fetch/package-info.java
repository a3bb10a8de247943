/**
 * Chunked, resumable, verified downloads: the engine that registry blobs and S3 objects share (ranged reads from one
 * queue drained by a pool of workers, partial files with per-chunk marks, in-order hashing off the workers).
 */
package dev.kindling.agent.fetch;
