package dev.kindling.api;

import java.util.Properties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Kindling control plane. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class KindlingApplication {

    /** Reactor Netty's system property for the number of event loops of its servers and clients. */
    static final String IO_WORKER_COUNT = "reactor.netty.ioWorkerCount";

    public static void main(String[] args) {
        oneEventLoopPerCore(System.getProperties(), Runtime.getRuntime().availableProcessors());
        SpringApplication.run(KindlingApplication.class, args);
    }

    /**
     * One event loop per core unless {@code -Dreactor.netty.ioWorkerCount} says otherwise. Reactor Netty runs at
     * least 4; on a 2-core machine the extra loops only take turns on the same cores, and at 2,000 invocations/s
     * two loops took a tenth less CPU per request and cut the router's p99 by a fifth (BENCHMARKS.md).
     */
    static void oneEventLoopPerCore(Properties system, int cores) {
        if (system.getProperty(IO_WORKER_COUNT) == null) system.setProperty(IO_WORKER_COUNT, Integer.toString(Math.max(1, cores)));
    }
}
