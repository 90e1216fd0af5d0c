package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"blog/internal/cluster"
	"blog/web/views"
)

// clusterRefresh is how often an open cluster page fetches itself again
// (its live stream's "refresh"), besides after every write: the other
// nodes' positions and the charts move without this node being told.
// Each time the node asks every other node it knows of for its report.
const clusterRefresh = 5 * time.Second

// clusterPages are the operator's view of the deployment: this node's
// report as JSON (GET /admin/node, which `blog check` reads) and the page
// of every node it knows of (GET /admin/cluster). Both are the admin's
// alone (routes.go) and never kept by any cache.
type clusterPages struct {
	survey *cluster.Survey
	pager  pager
}

// node answers this node's report: its role, region, primary, TXID, the
// row counts of its tables at that TXID, open streams and the last hour's
// charts.
func (cp *clusterPages) node(c echo.Context) error {
	adminView(c)
	r, err := cp.survey.Local(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// page shows every node this one knows of: itself, its primary and the
// members of its gossip, each asked for its report.
func (cp *clusterPages) page(c echo.Context) error {
	adminView(c)
	members, err := cp.survey.Members(c.Request().Context())
	if err != nil {
		return err
	}
	p := cp.pager.page(c, "Cluster")
	p.Styles = []string{"cluster.css"}
	return renderOK(c, views.Cluster(p, views.ClusterPage{Members: members, At: time.Now()}))
}
