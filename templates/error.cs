<?cs include:"layout_head.cs" ?>
<section class="card narrow">
  <h1><?cs var:Error.status ?> · <?cs var:Error.title ?></h1>
  <p><?cs var:Error.message ?></p>
  <p><a href="/">Back to pilotomail</a></p>
</section>
<?cs include:"layout_foot.cs" ?>
