package dev.kindling.agent.cache.peer;

import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.registry.Digest;
import java.nio.file.Path;
import java.util.Optional;

/** What this instance can serve its peers: verified files of blobs and model objects, and the link it sends them over. */
public interface HeldContent {

    /** The file of a blob this instance holds whole and verified, if it does. */
    Optional<Path> blob(Digest digest);

    /**
     * A file holding exactly the bytes of an S3 object as S3 stores it (that version: bucket, key and ETag), if this
     * instance holds one: the object of a model kept file by file, or a packed model kept beside its unpacked copy.
     */
    Optional<Path> object(String bucket, String key, String eTag);

    /** The instance's network limit, which uploads to peers share with its downloads. */
    Throughput network();

    /** An instance holding nothing (an agent without a data path of its own). */
    HeldContent NOTHING = new HeldContent() {
        @Override
        public Optional<Path> blob(Digest digest) {
            return Optional.empty();
        }

        @Override
        public Optional<Path> object(String bucket, String key, String eTag) {
            return Optional.empty();
        }

        @Override
        public Throughput network() {
            return Throughput.UNLIMITED;
        }
    };
}
