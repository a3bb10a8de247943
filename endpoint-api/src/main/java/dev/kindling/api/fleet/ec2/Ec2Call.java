package dev.kindling.api.fleet.ec2;

import java.util.function.Function;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * One EC2 API call, one attempt: what it does, naming what it acts on ("terminating EC2 instance i-0abc of
 * ki-12"), and the call. {@link Ec2Calls} adds the timeout, retries and the circuit breaker.
 */
record Ec2Call<T>(String doing, Function<Ec2Client, T> call) {}
