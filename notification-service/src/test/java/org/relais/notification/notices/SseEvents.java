package org.relais.notification.notices;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A Server-Sent Events client of the notification stream for the tests: reads events that carry an {@code id:}. */
final class SseEvents {

    private SseEvents() {}

    /** Reads {@code count} events from {@code url}, resuming after {@code lastEventId} when given. */
    static List<String> read(HttpClient client, String url, String token, String lastEventId, int count) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(60));
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        List<String> events = new ArrayList<>();
        try {
            HttpResponse<java.io.InputStream> response =
                    client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + response.statusCode());
            }
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                StringBuilder current = new StringBuilder();
                String line;
                while (events.size() < count && (line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (current.toString().lines().anyMatch(l -> l.startsWith("id:"))) {
                            events.add(current.toString());
                        }
                        current.setLength(0);
                    } else {
                        current.append(line).append('\n');
                    }
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return events;
    }
}
