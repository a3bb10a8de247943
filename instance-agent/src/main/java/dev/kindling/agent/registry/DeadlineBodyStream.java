package dev.kindling.agent.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body read as an InputStream that gives up at a deadline. The JDK client's own stream cannot be woken
 * from a blocked read, so a stalled registry would hold a worker forever; this one waits on its queue with the
 * time left and cancels the exchange when it runs out.
 */
final class DeadlineBodyStream extends InputStream implements Flow.Subscriber<List<ByteBuffer>> {

    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final long deadlineNanos;
    private final Duration timeout;
    private volatile Flow.Subscription subscription;
    private Iterator<ByteBuffer> current = List.<ByteBuffer>of().iterator();
    private ByteBuffer buffer = ByteBuffer.allocate(0);
    private boolean finished;

    DeadlineBodyStream(Duration timeout) {
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int read(byte[] b, int off, int len) throws IOException {
        while (!buffer.hasRemaining()) {
            if (current.hasNext()) {
                buffer = current.next();
                continue;
            }
            if (finished) return -1;
            Object next;
            try {
                next = queue.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IOException("interrupted", e);
            }
            if (next == null) {
                close();
                throw new IOException("no complete answer within " + timeout.toMillis() + " ms");
            }
            if (next == END) {
                finished = true;
                return -1;
            }
            if (next instanceof Throwable t) {
                throw t instanceof IOException io ? io : new IOException(t);
            }
            current = ((List<ByteBuffer>) next).iterator();
            subscription.request(1);
        }
        int n = Math.min(len, buffer.remaining());
        buffer.get(b, off, n);
        return n;
    }

    @Override
    public void close() {
        Flow.Subscription s = subscription;
        if (s != null) s.cancel();
    }
}
