-- links.lua -- pandoc filter of `make docs` (tests/make-docs.sh): rewrites
-- the links and images of a README, written for the repository, so that they
-- work in the site (docs/site/), opened from disk.
--
-- Metadata (pandoc -M): srcdir, the README's folder in the repository ("."
-- or "chapters/05-gan"); root, the way from this page to the site's top
-- ("" or "../../"); chapters, the chapter folders that have a page; wanted,
-- a file to which the repository files the page links to are appended, for
-- tests/make-docs.sh to render.
--
--   chapters/NN-name/, chapters/NN-name/README.md   -> NN-name.html
--   README.md (the front page)                       -> index.html
--   figures/NN-name/F.png                            -> NN-name/figures/F.png
--   chapters/NN-name/diagrams/D.svg or D.png         -> NN-name/diagrams/D.svg or .png
--   site:PATH (links written by make-docs.sh itself) -> PATH
--   any other file of the repository                 -> src/PATH.html (its page)
--   a folder of the repository                       -> src/PATH/index.html
-- A link to a missing file is left as it is, and the site test reports it.
local srcdir, root, wanted, chapters = ".", "", nil, {}

local function exists(p)
  local f = io.open(p, "r")
  if f then f:close() return true end
  return false
end

local function is_dir(p)
  return exists(p .. "/.")
end

-- join and collapse "." and ".." (a path that climbs above the top stays as it is)
local function normalize(p)
  local out = {}
  for part in p:gmatch("[^/]+") do
    if part == ".." then
      if #out == 0 or out[#out] == ".." then table.insert(out, "..") else table.remove(out) end
    elseif part ~= "." then
      table.insert(out, part)
    end
  end
  return table.concat(out, "/")
end

local function want(kind, p)
  if not wanted then return end
  local f = io.open(wanted, "a")
  if f then f:write(kind, " ", p, "\n") f:close() end
end

local function rewrite(target)
  if target:match("^site:") then return root .. target:sub(6) end
  if target:match("^#") or target:match("^%a[%w+.-]*:") or target == "" then return target end
  local path, frag = target:match("^([^#]*)(#?.*)$")
  local p = normalize(srcdir .. "/" .. path)
  local ch = p:match("^chapters/(%d%d%-[^/]+)$") or p:match("^chapters/(%d%d%-[^/]+)/README%.md$")
  if ch then
    if chapters[ch] then return root .. ch .. ".html" .. frag end
    return target
  end
  if p == "" or p == "README.md" then return root .. "index.html" .. frag end
  local fch, fname = p:match("^figures/(%d%d%-[^/]+)/([^/]+%.png)$")
  if fch then return root .. fch .. "/figures/" .. fname end
  local dch, dname = p:match("^chapters/(%d%d%-[^/]+)/diagrams/([^/]+)%.[ps][nv]g$")
  if dch then return root .. dch .. "/diagrams/" .. dname .. p:match("%.%a+$") end
  if p:match("^%.%.") or not exists(p) then return target end
  if is_dir(p) then
    want("dir", p)
    return root .. "src/" .. p .. "/index.html"
  end
  if p:match("%.png$") or p:match("%.svg$") or p:match("%.jpe?g$") or p:match("%.pdf$") then
    want("raw", p)
    return root .. "src/" .. p .. frag
  end
  want("file", p)
  return root .. "src/" .. p .. ".html" .. frag
end

return {
  {
    Meta = function(m)
      if m.srcdir then srcdir = pandoc.utils.stringify(m.srcdir) end
      if m.root then root = pandoc.utils.stringify(m.root) end
      if m.wanted then wanted = pandoc.utils.stringify(m.wanted) end
      if m.chapters then
        for c in pandoc.utils.stringify(m.chapters):gmatch("%S+") do chapters[c] = true end
      end
    end
  },
  {
    Link = function(el) el.target = rewrite(el.target) return el end,
    Image = function(el) el.src = rewrite(el.src) return el end
  }
}
