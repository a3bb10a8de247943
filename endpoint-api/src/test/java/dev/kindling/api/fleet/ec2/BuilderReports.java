package dev.kindling.api.fleet.ec2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/** Console output of a cache builder as its user data prints it, among the boot messages around it. */
final class BuilderReports {

    private BuilderReports() {}

    static final String BOOT_NOISE = "[    0.000000] Linux version 6.1.0-amazon (gcc 11)\r\n"
            + "[    2.104411] EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode\r\n"
            + "Cloud-init v. 23.4 running 'modules:final'\r\n";

    static String built(String contentJson) {
        return BOOT_NOISE + UserDataScripts.CONTENT_MARKER + " " + gzipBase64(contentJson) + " "
                + UserDataScripts.END_MARKER + "\r\n[  312.220113] reboot: Power down\r\n";
    }

    static String failed(String reason) {
        return BOOT_NOISE + UserDataScripts.FAILED_MARKER + " "
                + Base64.getEncoder().encodeToString(reason.getBytes(StandardCharsets.UTF_8))
                + "\r\n[   40.0] reboot: Power down\r\n";
    }

    static String gzipBase64(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** A volume manifest as the agent's build-cache writes it: one image, one model. */
    static String content(String endpoint, long generation, String image, long imageBytes, String model, long modelBytes) {
        return """
                {"endpointName":"%s","generation":%d,\
                "images":[{"source":"%s","manifestDigest":"sha256:%s","bytes":%d,\
                "blobs":[{"digest":"sha256:%s","size":%d}]}],\
                "models":[{"source":"%s","bytes":%d,"objects":[{"uri":"%s/model.safetensors","etag":"\\"abc\\"","size":%d}]}]}\
                """.formatted(endpoint, generation, image, "a".repeat(64), imageBytes, "b".repeat(64), imageBytes,
                model, modelBytes, model, modelBytes);
    }
}
