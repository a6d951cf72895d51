<?cs include:"layout_head.cs" ?>
<p class="muted"><a href="/offerings">← Offerings</a></p>
<section class="card offerings-form">
  <h1><?cs if:Form.id ?>Edit offering<?cs else ?>New offering<?cs /if ?></h1>
  <?cs if:Form.invalid ?><div class="flash flash-error" role="alert">Some values need fixing: see the messages below. Nothing was saved.</div><?cs /if ?>
  <form method="post" action="/offerings<?cs if:Form.id ?>/<?cs var:Form.id ?><?cs /if ?>" class="form" novalidate>
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <div class="offerings-pair">
      <label>Name
        <input type="text" name="name" value="<?cs var:Form.name ?>" maxlength="100" required<?cs if:Form.name_error ?> aria-invalid="true"<?cs /if ?>>
        <?cs if:Form.name_error ?><span class="offerings-error"><?cs var:Form.name_error ?></span><?cs /if ?>
      </label>
      <label>Monthly price <span class="hint">(<?cs var:Currency ?>)</span>
        <input type="text" name="monthly_price" value="<?cs var:Form.monthly_price ?>" inputmode="decimal" placeholder="0.00" required<?cs if:Form.monthly_price_error ?> aria-invalid="true"<?cs /if ?>>
        <?cs if:Form.monthly_price_error ?><span class="offerings-error"><?cs var:Form.monthly_price_error ?></span><?cs /if ?>
      </label>
    </div>

    <div class="step">
      <div class="step-title">Mail actions</div>
      <p class="hint muted">Tick what renters may ask for. Each calendar month the first ones are free; after that each costs the fee (<?cs var:Currency ?>).</p>
      <div class="grid-actions">
        <div class="head">Action</div>
        <div class="head">Enabled</div>
        <div class="head">Free per month</div>
        <div class="head">Fee after that</div>
        <?cs each:a = Form.actions ?>
        <div><label for="<?cs var:a.key ?>_enabled" class="offerings-action"><?cs var:a.label ?></label></div>
        <div>
          <input type="checkbox" id="<?cs var:a.key ?>_enabled" name="<?cs var:a.key ?>_enabled" value="1"<?cs if:a.enabled ?> checked<?cs /if ?>>
          <?cs if:a.enabled_error ?><span class="offerings-error"><?cs var:a.enabled_error ?></span><?cs /if ?>
        </div>
        <div>
          <input type="text" name="<?cs var:a.key ?>_free" value="<?cs var:a.free ?>" inputmode="numeric" placeholder="0" aria-label="<?cs var:a.label ?>: free per month"<?cs if:a.free_error ?> aria-invalid="true"<?cs /if ?>>
          <?cs if:a.free_error ?><span class="offerings-error"><?cs var:a.free_error ?></span><?cs /if ?>
        </div>
        <div>
          <input type="text" name="<?cs var:a.key ?>_fee" value="<?cs var:a.fee ?>" inputmode="decimal" placeholder="0.00" aria-label="<?cs var:a.label ?>: fee after the free ones"<?cs if:a.fee_error ?> aria-invalid="true"<?cs /if ?>>
          <?cs if:a.fee_error ?><span class="offerings-error"><?cs var:a.fee_error ?></span><?cs /if ?>
        </div>
        <?cs /each ?>
      </div>
      <p class="hint muted">Forwarding also charges the postage entered when the item is sent.</p>
    </div>

    <div class="step">
      <div class="step-title">Storage</div>
      <div class="offerings-pair">
        <label>Free storage days
          <input type="text" name="storage_free_days" value="<?cs var:Form.storage_free_days ?>" inputmode="numeric" placeholder="0"<?cs if:Form.storage_free_days_error ?> aria-invalid="true"<?cs /if ?>>
          <?cs if:Form.storage_free_days_error ?><span class="offerings-error"><?cs var:Form.storage_free_days_error ?></span><?cs /if ?>
          <span class="hint">Days an item is kept without charge after it arrives.</span>
        </label>
        <label>Fee per extra day <span class="hint">(<?cs var:Currency ?>)</span>
          <input type="text" name="storage_fee_per_day" value="<?cs var:Form.storage_fee_per_day ?>" inputmode="decimal" placeholder="0.00"<?cs if:Form.storage_fee_per_day_error ?> aria-invalid="true"<?cs /if ?>>
          <?cs if:Form.storage_fee_per_day_error ?><span class="offerings-error"><?cs var:Form.storage_fee_per_day_error ?></span><?cs /if ?>
        </label>
      </div>
    </div>

    <div class="actions">
      <button type="submit" class="primary">Save offering</button>
      <a class="button" href="/offerings">Cancel</a>
    </div>
  </form>
</section>
<?cs include:"layout_foot.cs" ?>
