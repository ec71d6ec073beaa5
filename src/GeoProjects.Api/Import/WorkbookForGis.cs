using System.IO.Compression;
using System.Text;
using System.Xml;

namespace GeoProjects.Api.Import;

/// <summary>
/// Makes MiniExcel's workbook readable by GDAL (QGIS, ogr2ogr), as Excel and LibreOffice already read it. GDAL's XLSX
/// driver matches element names literally: MiniExcel writes SpreadsheetML with an `x:` prefix (`&lt;x:row&gt;`), where GDAL
/// found no rows at all; and it writes text cells as `t="str"` (a formula's text result), which GDAL does not count as
/// text, so it took the header row for data. Each XML part is streamed through once: SpreadsheetML in the default
/// namespace, text cells as inline strings. (No served library writes both; hand-written, about one screen.)
/// </summary>
public static class WorkbookForGis
{
    private const string SpreadsheetMl = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    public static void Rewrite(string path)
    {
        var rewritten = path + ".gis";
        using (var source = ZipFile.OpenRead(path))
        using (var target = ZipFile.Open(rewritten, ZipArchiveMode.Create))
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                using var output = target.CreateEntry(entry.FullName, CompressionLevel.Optimal).Open();
                if (entry.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)) Transform(input, output);
                else input.CopyTo(output);
            }
        File.Move(rewritten, path, overwrite: true);
    }

    private static void Transform(Stream input, Stream output)
    {
        using var reader = XmlReader.Create(input, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        using var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false) });
        var textCell = false; // inside <c t="str">: its <v> becomes <is><t>
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.XmlDeclaration:
                    writer.WriteStartDocument();
                    break;
                case XmlNodeType.Element:
                    var main = reader.NamespaceURI == SpreadsheetMl;
                    var empty = reader.IsEmptyElement;
                    if (main && textCell && reader.LocalName == "v")
                    {
                        writer.WriteStartElement("is", SpreadsheetMl);
                        writer.WriteStartElement("t", SpreadsheetMl);
                        writer.WriteAttributeString("xml", "space", null, "preserve"); // leading and trailing spaces are kept
                        if (empty) EndInlineString(writer);
                        break;
                    }
                    writer.WriteStartElement(main ? "" : reader.Prefix, reader.LocalName, reader.NamespaceURI);
                    var cellType = main && reader.LocalName == "c" ? reader.GetAttribute("t") : null;
                    CopyAttributes(reader, writer, cellType == "str");
                    textCell = cellType == "str" && !empty;
                    if (empty) writer.WriteEndElement();
                    break;
                case XmlNodeType.EndElement:
                    if (textCell && reader.NamespaceURI == SpreadsheetMl && reader.LocalName == "v") EndInlineString(writer);
                    else
                    {
                        if (reader.NamespaceURI == SpreadsheetMl && reader.LocalName == "c") textCell = false;
                        writer.WriteFullEndElement();
                    }
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    writer.WriteString(reader.Value);
                    break;
                case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    writer.WriteWhitespace(reader.Value);
                    break;
            }
        }
    }

    private static void EndInlineString(XmlWriter writer)
    {
        writer.WriteEndElement(); // t
        writer.WriteEndElement(); // is
    }

    /// <summary>The element's attributes, less the prefix SpreadsheetML had; a text cell's type becomes inlineStr.</summary>
    private static void CopyAttributes(XmlReader reader, XmlWriter writer, bool textCell)
    {
        if (!reader.MoveToFirstAttribute()) return;
        do
        {
            var declaration = reader.Prefix == "xmlns" || reader.Name == "xmlns";
            if (declaration && reader.Value == SpreadsheetMl) continue; // the writer declares it as the default namespace
            if (declaration) writer.WriteAttributeString(reader.Prefix, reader.LocalName, reader.NamespaceURI, reader.Value);
            else if (textCell && reader.LocalName == "t" && reader.NamespaceURI == "") writer.WriteAttributeString("t", "inlineStr");
            else writer.WriteAttributeString(reader.Prefix, reader.LocalName, reader.NamespaceURI, reader.Value);
        }
        while (reader.MoveToNextAttribute());
        reader.MoveToElement();
    }
}
