<?cs # named_text(t): a text of web/names.c with its links (t.parts), else t as it is. ?>
<?cs def:named_text(t) ?><?cs if:subcount(t.parts) ?><?cs each:p = t.parts ?><?cs if:p.href ?><a href="<?cs var:p.href ?>"><?cs var:p.text ?></a><?cs else ?><?cs var:p.text ?><?cs /if ?><?cs /each ?><?cs else ?><?cs var:t ?><?cs /if ?><?cs /def ?>
