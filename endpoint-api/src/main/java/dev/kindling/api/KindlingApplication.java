package dev.kindling.api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Kindling control plane. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class KindlingApplication {

    public static void main(String[] args) {
        SpringApplication.run(KindlingApplication.class, args);
    }
}
