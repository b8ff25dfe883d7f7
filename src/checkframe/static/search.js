// Search with Pagefind; it needs the site served over HTTP, not opened from a file.
(function () {
  var notice = document.getElementById("search-unavailable");
  if (location.protocol === "file:" || typeof PagefindUI === "undefined") {
    notice.hidden = false;
    return;
  }
  var element = document.getElementById("search");
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: new URL(element.getAttribute("data-bundle"), location.href).href,
    showSubResults: true,
    showImages: false,
    resetStyles: false,
    translations: { placeholder: "搜索检查项，例如：瓦斯、占压、储能" }
  });
  var query = new URLSearchParams(location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
