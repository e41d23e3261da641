package org.relais.referral.directory;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.relais.blocks.paging.KeysetQuery;
import org.relais.blocks.paging.PageRequest;

@ApplicationScoped
public class AgencyRepository implements PanacheRepositoryBase<Agency, String> {

    /** One page of the directory in (updatedAt, id) order, plus one row to tell whether more follow. */
    public Uni<List<Agency>> page(AgencyType type, ServiceType service, String region, PageRequest page) {
        KeysetQuery query = KeysetQuery.on("updatedAt", "id");
        if (type != null) {
            query.where("type = :type", "type", type);
        }
        if (service != null) {
            query.where("services like :service", "service", "%," + service.name() + ",%");
        }
        if (region != null) {
            query.where("lower(region) = lower(:region)", "region", region);
        }
        query.pageBySlug(page);
        return find(query.query(), query.params()).range(0, query.lastRow()).list();
    }
}
