package org.relais.notification.inbox;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.relais.testkit.EmbeddedInfra;

import java.util.Map;

/** A real SMTP server (GreenMail) on a fixed port, which a test can stop and start again. */
public class MailSink implements QuarkusTestResourceLifecycleManager {

    static final int PORT = EmbeddedInfra.freePort();
    static GreenMail server;

    static synchronized void up() {
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
