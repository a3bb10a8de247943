package dev.kindling.api.fleet.ec2;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** EC2 fleet settings pointed at an {@link Ec2Stub}, with polls and backoffs short enough for tests. */
final class StubSettings {

    private StubSettings() {}

    static Ec2Settings of(Ec2Stub stub) {
        return new Ec2Settings("us-east-1", stub.endpoint(), new Ec2Settings.LaunchTemplate("lt-0abc123", null, "3"),
                List.of("subnet-a", "subnet-b"), List.of("sg-1", "sg-2"), URI.create("http://10.0.0.5:8080"),
                "https://artifacts.example.com/kindling-agent.jar", "c6in.large", 50, Duration.ofMillis(2),
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(10), 4,
                Duration.ofMillis(1));
    }

    static Ec2Calls calls(Ec2Settings settings) {
        return new Ec2Calls(Ec2Calls.client(settings,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSTUB", "stub-secret-key"))), settings);
    }
}
