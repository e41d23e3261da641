package org.relais.notification.notices;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** A user has read a notification (read state is per user). */
@Entity
@Table(name = "notification_reads")
@IdClass(NotificationReadMark.Key.class)
public class NotificationReadMark extends PanacheEntityBase {

    @Id
    @Column(name = "notification_id")
    public UUID notificationId;

    @Id
    public String username;

    @Column(name = "read_at")
    public Instant readAt;

    public static class Key implements Serializable {
        public UUID notificationId;
        public String username;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k
                    && Objects.equals(k.notificationId, notificationId)
                    && Objects.equals(k.username, username);
        }

        @Override
        public int hashCode() {
            return Objects.hash(notificationId, username);
        }
    }
}
