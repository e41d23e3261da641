package org.relais.notification.notices;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import org.relais.testkit.EmbeddedInfra;

/** A real SMTP server (GreenMail) on a fixed port, which a test can stop and start again. */
public class MailSink implements QuarkusTestResourceLifecycleManager {

    static final int PORT = EmbeddedInfra.freePort();
    static GreenMail server;

    public static synchronized void up() {
        if (server == null) {
            server = new GreenMail(new ServerSetup(PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            server.start();
        }
    }

    static synchronized void down() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** The messages received for {@code address}. */
    public static synchronized jakarta.mail.internet.MimeMessage[] messagesTo(String address) {
        if (server == null) {
            return new jakarta.mail.internet.MimeMessage[0];
        }
        return java.util.Arrays.stream(server.getReceivedMessages())
                .filter(m -> {
                    try {
                        return java.util.Arrays.stream(m.getAllRecipients())
                                .anyMatch(a -> a.toString().contains(address));
                    } catch (jakarta.mail.MessagingException e) {
                        return false;
                    }
                })
                .toArray(jakarta.mail.internet.MimeMessage[]::new);
    }

    /** Subject, headers and body of a message, as text. */
    public static String text(jakarta.mail.internet.MimeMessage m) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            m.writeTo(out);
            return out.toString(java.nio.charset.StandardCharsets.UTF_8) + m.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Map<String, String> start() {
        up();
        return Map.of("quarkus.mailer.port", Integer.toString(PORT), "quarkus.mailer.host", "127.0.0.1");
    }

    @Override
    public void stop() {
        down();
    }
}
