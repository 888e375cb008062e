package floatingips

import "github.com/gophercloud/gophercloud/v2"

func listURL(c *gophercloud.ServiceClient) string { return c.ServiceURL("floatingips") }

func getURL(c *gophercloud.ServiceClient, id string) string {
	return c.ServiceURL("floatingips", id)
}
