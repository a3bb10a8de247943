package dev.kindling.agent.image;

import dev.kindling.agent.registry.BlobFetcher;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The layers of one pull as the unpacker reads them. A layer can be read as soon as its first bytes are in order in
 * its partial file, and on to its end as the rest arrives, so unpacking a giant layer overlaps its download instead
 * of following it. Those bytes are not yet verified: the pull succeeds only once every blob has matched its digest,
 * and a tree unpacked from a pull that failed must be thrown away.
 */
final class LayerFeed implements BlobFetcher.Listener {

    private final BlobStore store;
    private final LongConsumer progress;
    private final Map<Digest, Long> prefixes = new HashMap<>();
    private final Set<Digest> ready = new HashSet<>();
    private String abortedBecause;

    LayerFeed(BlobStore store, LongConsumer progress) {
        this.store = store;
        this.progress = progress;
    }

    @Override
    public synchronized void ready(Descriptor blob) {
        ready.add(blob.digest());
        notifyAll();
    }

    @Override
    public void landed(long bytes) {
        progress.accept(bytes);
    }

    @Override
    public synchronized void prefix(Descriptor blob, long bytes) {
        prefixes.put(blob.digest(), bytes);
        notifyAll();
    }

    /** The pull failed: readers waiting for bytes that will not come stop with this reason. */
    synchronized void abort(String why) {
        abortedBecause = why;
        notifyAll();
    }

    /** Opens a layer from its first byte, waiting until that byte exists. */
    InputStream open(Descriptor layer) throws IOException {
        if (isReady(layer)) {
            return Files.newInputStream(store.path(layer.digest()));
        }
        return new Arriving(layer);
    }

    private synchronized boolean isReady(Descriptor layer) {
        return ready.contains(layer.digest());
    }

    /** Waits until the layer holds bytes past {@code position} (or is whole); returns how many it holds in order. */
    private synchronized long inOrder(Descriptor layer, long position) throws IOException {
        while (true) {
            if (abortedBecause != null) throw new IOException(abortedBecause);
            if (ready.contains(layer.digest())) return layer.size();
            long prefix = prefixes.getOrDefault(layer.digest(), 0L);
            if (prefix > position || prefix == layer.size()) return prefix;
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for layer " + layer.digest());
            }
        }
    }

    private synchronized void awaitReady(Descriptor layer) throws IOException {
        while (!ready.contains(layer.digest())) {
            if (abortedBecause != null) throw new IOException(abortedBecause);
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for layer " + layer.digest());
            }
        }
    }

    /** A layer read while it arrives: from its partial file, or from the store once it was published. */
    private final class Arriving extends InputStream {
        private final Descriptor layer;
        private FileChannel file;
        private long position;

        Arriving(Descriptor layer) {
            this.layer = layer;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) return 0;
            if (position >= layer.size()) return -1;
            long available = inOrder(layer, position);
            if (file == null) file = openFile();
            int n = file.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(length, available - position)), position);
            if (n < 0) throw new IOException("layer " + layer.digest() + " ended at " + position + " of " + layer.size() + " bytes");
            position += n;
            return n;
        }

        /** The partial file while the blob arrives; once it is published (renamed) the store's file. */
        private FileChannel openFile() throws IOException {
            try {
                return FileChannel.open(store.partialData(layer.digest()), StandardOpenOption.READ);
            } catch (NoSuchFileException published) {
                awaitReady(layer); // the publication under way, or the failure
                return FileChannel.open(store.path(layer.digest()), StandardOpenOption.READ);
            }
        }

        @Override
        public void close() throws IOException {
            if (file != null) file.close();
        }
    }
}
