/** The instance's content-addressed blob store: blobs by digest, published only once verified. */
package dev.kindling.agent.store;
