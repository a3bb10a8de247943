package dev.kindling.agent.registry;

/** A content descriptor from a manifest: what the blob is, its digest and its size in bytes. */
public record Descriptor(String mediaType, Digest digest, long size) {}
