package floatingips

import (
	"context"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// List returns a pager over the reservable floating IPs (one page).
func List(client *gophercloud.ServiceClient) pagination.Pager {
	return pagination.NewPager(client, listURL(client), func(r pagination.PageResult) pagination.Page {
		return FloatingIPPage{pagination.SinglePageBase(r)}
	})
}

// ListAll fetches every reservable floating IP in one call.
func ListAll(ctx context.Context, client *gophercloud.ServiceClient) ([]FloatingIP, error) {
	page, err := List(client).AllPages(ctx)
	if err != nil {
		return nil, blazar.ConvertError(err)
	}
	return ExtractFloatingIPs(page)
}

// Get fetches one reservable floating IP by id.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	resp, err := client.Get(ctx, getURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = blazar.ConvertError(r.Err)
	return
}
