package dev.kindling.agent.cache;

import dev.kindling.agent.artifact.Artifact;
import dev.kindling.agent.artifact.ArtifactException;
import dev.kindling.agent.artifact.ArtifactException.Code;
import dev.kindling.agent.artifact.ArtifactKey;
import dev.kindling.agent.artifact.ArtifactSource;
import dev.kindling.agent.artifact.ArtifactStore;
import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.artifact.S3Uri;
import dev.kindling.agent.io.InstanceThroughput;
import dev.kindling.agent.s3.S3FetchReport;
import dev.kindling.agent.s3.S3ObjectFetcher;
import dev.kindling.agent.store.DiskBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import dev.kindling.agent.protocol.CopyStartup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * Resolves a model artifact through the tiers in order: the instance's own artifact store, then each artifact cache,
 * then S3. The URI is resolved against S3 first (a changed object makes a different artifact); if S3 cannot be
 * reached, the newest complete artifact for the URI in the store is used and the fallback reported. Per object, a
 * tier that misses or fails hands it to the next; only S3 failing fails the fetch, with a reason naming the model
 * URI, the object and the cause. Reports hits and bytes per tier ({@link TierReport}, as for images) and every
 * fallback with its cause.
 *
 * <p>A model not in the store but laid out as a directory on a mounted volume ({@link MountedModels}: the endpoint's
 * cache volume) with the object versions S3 lists now is used where it lies once its tree checks out, nothing copied;
 * if S3 cannot be reached, as the volume lists it.
 */
public final class TieredModelFetch {

    public static final String LOCAL = "local";
    public static final String S3 = "s3";

    private final List<ArtifactCache> caches;
    private final S3ObjectFetcher s3;
    private final InstanceThroughput throughput;
    private final MountedModels mounted;
    /** One fetch per artifact at a time: two copies starting together share one download, not its partial files. */
    private final ConcurrentHashMap<ArtifactKey, ReentrantLock> fetching = new ConcurrentHashMap<>();

    public TieredModelFetch(List<ArtifactCache> caches, S3ObjectFetcher s3, InstanceThroughput throughput) {
        this(caches, s3, throughput, MountedModels.NONE);
    }

    /** A fetch that also uses models in place from {@code mounted}. */
    public TieredModelFetch(List<ArtifactCache> caches, S3ObjectFetcher s3, InstanceThroughput throughput,
                            MountedModels mounted) {
        this.mounted = mounted;
        this.caches = List.copyOf(caches);
        this.s3 = s3;
        this.throughput = throughput;
    }

    /**
     * The artifact, where its bytes came from, what S3 did (if it was asked for bytes), and how long it took. It holds
     * a lease on the artifact, so nothing evicts it before the caller is done: close it when the copy stops.
     */
    public record Result(Artifact artifact, TierReport tiers, Optional<S3FetchReport> s3, Duration elapsed,
                         DiskBudget.Lease lease) implements AutoCloseable {
        @Override
        public void close() {
            lease.close();
        }
    }

    public Result fetch(S3Uri uri, ArtifactStore store) {
        return fetch(uri, store, bytes -> { });
    }

    /** Fetches the artifact {@code uri} names into the store; {@code progress} hears of bytes as they land, from a cache tier or S3. */
    public Result fetch(S3Uri uri, ArtifactStore store, LongConsumer progress) {
        long started = System.nanoTime();
        List<String> names = new ArrayList<>();
        names.add(LOCAL);
        caches.forEach(c -> names.add(c.name()));
        names.add(S3);
        TierReport.Tally tally = new TierReport.Tally(CopyStartup.MODEL, names);
        String model = "model " + uri;
        ArtifactSource source;
        try {
            source = ArtifactSource.resolved(uri, s3.reader().resolve(uri));
        } catch (ArtifactException e) {
            if (e.code() != Code.UNAVAILABLE) throw e.within(model);
            return fallback(uri, store, tally, e, started)
                    .or(() -> inPlace(uri, null, store, tally, started).map(r -> {
                        tally.fallback("S3 unreachable while resolving " + uri + " (" + e.getMessage() + "); serving the "
                                + "model the endpoint cache volume lists for it");
                        return new Result(r.artifact(), tally.report(), r.s3(), r.elapsed(), r.lease());
                    }))
                    .orElseThrow(() -> e.within(model + ": S3 is unreachable and no complete copy is stored"));
        } catch (IllegalArgumentException e) {
            throw new ArtifactException(Code.INVALID, model + ": " + e.getMessage(), e);
        }
        ArtifactKey key = source.key();
        DiskBudget.Lease lease = store.lease(Set.of(key));
        ReentrantLock lock = fetching.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            Optional<Artifact> local = store.get(key);
            if (local.isPresent()) {
                tally.hits(LOCAL, source.objects().size(), local.get().bytes());
                source.objects().forEach(o -> tally.source(o.uri().toString(), o.size(), LOCAL, 0));
                return new Result(local.get(), tally.report(), Optional.empty(), Duration.ofNanos(System.nanoTime() - started), lease);
            }
            Optional<Result> inPlace = inPlace(uri, source, store, tally, started);
            if (inPlace.isPresent()) {
                lease.close(); // nothing of it in the store to pin
                return inPlace.get();
            }
            Optional<S3FetchReport> fromS3;
            Artifact artifact;
            // Held until the artifact is published and counted: unpacking writes as much again as was fetched.
            try (DiskBudget.Reservation room = reserve(source, store, model)) {
                fromS3 = fetchObjects(source, store, tally, progress, model);
                try {
                    artifact = store.publish(source, throughput.disk());
                } catch (ArtifactException e) {
                    throw e.within(model);
                }
            }
            displaceOverflow(store, tally, model);
            return new Result(artifact, tally.report(), fromS3, Duration.ofNanos(System.nanoTime() - started), lease);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** The model as a directory on a mounted volume, each object counted as served by its tier; faults tallied. */
    private Optional<Result> inPlace(S3Uri uri, ArtifactSource current, ArtifactStore store, TierReport.Tally tally,
                                     long started) {
        switch (mounted.find(uri.toString(), current)) {
            case MountedModels.Lookup.NotThere notThere -> {
                tally.faults(notThere.faults());
                notThere.fallbacks().forEach(tally::fallback);
                return Optional.empty();
            }
            case MountedModels.Lookup.Found found -> {
                ArtifactSource listed = found.source();
                Artifact a = new Artifact(listed.key(), listed.uri(), found.directory(), found.bytes(), Instant.now(),
                        listed.objects());
                tally.hits(found.tier(), listed.objects().size(), listed.bytes());
                listed.objects().forEach(o -> tally.source(o.uri().toString(), o.size(), found.tier(), found.verifyNanos()));
                return Optional.of(new Result(a, tally.report(), Optional.empty(), Duration.ofNanos(System.nanoTime() - started),
                        store.lease(Set.of())));
            }
        }
    }

    /**
     * The newest complete artifact for the URI, when S3 cannot say which is current: stored under the URI itself or,
     * if it turned out to name a prefix, under that prefix. Each candidate is leased before it is looked up, so it
     * cannot be evicted in between; one evicted before its lease is passed over.
     */
    private static Optional<Result> fallback(S3Uri uri, ArtifactStore store, TierReport.Tally tally, ArtifactException cause,
                                             long started) {
        for (Artifact candidate : store.artifacts()) { // newest first
            if (!candidate.uri().equals(uri) && !candidate.uri().equals(uri.asPrefix())) continue;
            DiskBudget.Lease lease = store.lease(Set.of(candidate.key()));
            Optional<Artifact> held = store.get(candidate.key());
            if (held.isEmpty()) {
                lease.close();
                continue;
            }
            Artifact a = held.get();
            tally.hits(LOCAL, a.objects().size(), a.bytes());
            a.objects().forEach(o -> tally.source(o.uri().toString(), o.size(), LOCAL, 0));
            tally.fallback("S3 unreachable while resolving " + uri + " (" + cause.getMessage() + "); serving the newest "
                    + "complete artifact " + a.key().shortHex() + ", completed " + a.completedAt());
            return Optional.of(new Result(a, tally.report(), Optional.empty(), Duration.ofNanos(System.nanoTime() - started), lease));
        }
        return Optional.empty();
    }

    /**
     * An unpacked model can be larger than its reservation and push the budget over: evict what it displaced. If
     * everything left is held, the copy still starts (failing it would free nothing, the artifact stays), and the
     * overflow is reported.
     */
    private static void displaceOverflow(ArtifactStore store, TierReport.Tally tally, String model) {
        try {
            store.budget().makeRoom(0);
        } catch (IOException e) {
            tally.fallback(model + " is over the disk budget once unpacked: " + e.getMessage());
        }
    }

    /** Room for the objects still to fetch, and for unpacking a packed model (about its packed size: weights barely compress). */
    private static DiskBudget.Reservation reserve(ArtifactSource source, ArtifactStore store, String model) {
        long toFetch = source.objects().stream().filter(o -> !Files.isRegularFile(store.verifiedObject(o)))
                .mapToLong(ObjectVersion::size).sum();
        long toUnpack = source.isArchive() ? source.bytes() : 0;
        try {
            return store.budget().reserve(toFetch + toUnpack);
        } catch (IOException e) {
            throw new ArtifactException(Code.NO_ROOM, model + ": " + e.getMessage(), e);
        }
    }

    private Optional<S3FetchReport> fetchObjects(ArtifactSource source, ArtifactStore store, TierReport.Tally tally,
                                                 LongConsumer progress, String model) {
        List<S3ObjectFetcher.ObjectDownload> remaining = new ArrayList<>();
        for (ObjectVersion o : source.objects()) {
            S3ObjectFetcher.ObjectDownload download = new S3ObjectFetcher.ObjectDownload(o, store.objectData(o),
                    store.objectMarks(o, s3.chunkBytes()), store.verifiedObject(o));
            if (Files.isRegularFile(download.verified())) { // verified by an earlier, interrupted fetch: counted as resumed
                remaining.add(download);
                continue;
            }
            boolean found = false;
            for (ArtifactCache cache : caches) {
                long started = System.nanoTime();
                ArtifactCache.Outcome outcome = cache.provide(o, download.verified());
                tally.faults(outcome.faults());
                if (outcome instanceof ArtifactCache.Outcome.Hit hit) {
                    tally.hit(cache.name(), hit.bytes());
                    tally.source(o.uri().toString(), hit.bytes(), cache.name(), System.nanoTime() - started);
                    progress.accept(hit.bytes());
                    found = true;
                    break;
                }
                if (outcome instanceof ArtifactCache.Outcome.Failed failed) tally.fallback(failed.reason());
            }
            if (!found) remaining.add(download);
        }
        if (remaining.isEmpty()) return Optional.empty();
        long started = System.nanoTime();
        Map<ObjectVersion, Long> verifiedAt = new ConcurrentHashMap<>();
        try {
            S3FetchReport r = s3.fetch(remaining, progress, o -> verifiedAt.putIfAbsent(o, System.nanoTime()));
            tally.hits(S3, remaining.size(), r.bytesFetched() + r.bytesResumed());
            // Objects verified before this fetch took no time of it.
            remaining.stream().map(S3ObjectFetcher.ObjectDownload::object)
                    .sorted(Comparator.comparingLong(o -> verifiedAt.getOrDefault(o, started)))
                    .forEach(o -> tally.source(o.uri().toString(), o.size(), S3, verifiedAt.getOrDefault(o, started) - started));
            return Optional.of(r);
        } catch (ArtifactException e) {
            throw new ArtifactException(e.code(), model + ": no tier could provide its objects; S3 failed: " + e.getMessage(), e);
        }
    }
}
