/**
 * The instance's stores' shared ground: the content-addressed blob store (blobs by digest, published only once
 * verified) and the disk budget that it and the model artifact store share.
 */
package dev.kindling.agent.store;
