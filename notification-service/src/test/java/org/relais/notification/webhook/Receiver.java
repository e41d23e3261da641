package org.relais.notification.webhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A partner system's webhook endpoint: a real HTTP server that records what it receives. */
final class Receiver implements AutoCloseable {

    enum Mode {
        OK,
        FAIL,
        HANG
    }

    record Received(Map<String, String> headers, String body, long at) {}

    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile Mode mode = Mode.OK;
    private final HttpServer server;

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(
                    Map.of(
                            "webhook-id", String.valueOf(ex.getRequestHeaders().getFirst("webhook-id")),
                            "webhook-timestamp",
                                    String.valueOf(ex.getRequestHeaders().getFirst("webhook-timestamp")),
                            "webhook-signature",
                                    String.valueOf(ex.getRequestHeaders().getFirst("webhook-signature"))),
                    body,
                    System.currentTimeMillis()));
            if (mode == Mode.HANG) {
                try {
                    // a receiver that never answers (until the dispatcher's timeout gives up on it)
                    new java.util.concurrent.CountDownLatch(1).await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int status = mode == Mode.FAIL || failuresLeft.getAndDecrement() > 0 ? 500 : 204;
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/relais";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
