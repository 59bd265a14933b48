// The query editor at /sparql: Yasgui (kgtool/web/static/yasgui) on this server's endpoint.
// A file of its own, not inline, so that the pages' content security policy
// (script-src 'self', docs/safety.md) holds. The page gives the example query and the
// in a data- attribute (with the project's prefixes); a query in the address (#query=...)
// is opened instead.
(function () {
  var element = document.getElementById("yasgui");
  var endpoint = window.location.origin + "/sparql";
  var yasgui = new Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null
  });
  var tab = yasgui.getTab();
  var asked = new URLSearchParams(window.location.hash.slice(1)).get("query");
  tab.setQuery(asked || element.dataset.example);
  window.kgtoolYasgui = yasgui;
})();
